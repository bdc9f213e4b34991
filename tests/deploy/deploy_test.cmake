# patchq_deploy_test(<name> <script.js> [args...]) registers ctest "deploy.<name>": a node script
# of tests/deploy run with the npm packages that deploy.node_deps installs. Label "deploy".
# A missing tool (node, kubectl, docker-compose) fails the test; nothing here ever skips.
set(PATCHQ_DEPLOY_DIR ${CMAKE_CURRENT_LIST_DIR})

function(patchq_deploy_test name script)
  add_test(NAME deploy.${name}
           COMMAND node ${PATCHQ_DEPLOY_DIR}/${script} ${ARGN}
           WORKING_DIRECTORY ${PATCHQ_DEPLOY_DIR})
  set_tests_properties(deploy.${name} PROPERTIES
    LABELS deploy
    TIMEOUT 180
    FIXTURES_REQUIRED patchq_deploy_node)
endfunction()
