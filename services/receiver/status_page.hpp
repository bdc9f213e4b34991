// The status page: one self-contained HTML document rendered from a StatusSnapshot. No
// script and no external assets: it refreshes itself with <meta http-equiv="refresh">, its
// charts are inline SVG, its style is one <style> block allowed by hash in the page's
// Content-Security-Policy, and its actions are plain HTML forms (POST, CSRF token inside).
//
// Invariant: every text that comes from outside (item names and ids, targets, error texts,
// consumer names) goes through html_escape; numbers are formatted here.
#pragma once

#include <string>
#include <string_view>

#include "common/queue/status_snapshot.hpp"

namespace patchq::receiver {

inline constexpr int kStatusRefreshSeconds = 2;

// &, <, >, " and ' as entities; control characters but tab and newline dropped.
std::string html_escape(std::string_view text);

std::string render_status_page(const queue::StatusSnapshot& snapshot, std::string_view csrf_token);
// The page shown without (or with a wrong) admin token: a form that logs in.
std::string render_login_page(std::string_view message);
// An error page (Redis unreachable, for instance); refreshes itself like the status page.
std::string render_error_page(std::string_view message);

// The Content-Security-Policy every one of these pages is sent with: nothing but the page's
// own style block (by hash), forms posting to this origin, no framing.
const std::string& status_page_csp();

}  // namespace patchq::receiver
