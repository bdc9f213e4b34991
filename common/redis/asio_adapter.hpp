// Asio adapter for hiredis' async API: wires the five event hooks of a redisAsyncContext
// (addRead, delRead, addWrite, delWrite, cleanup) to readiness waits on a
// boost::asio::posix::stream_descriptor. Like hiredis' own adapters/ headers, it holds no logic
// beyond that wiring.
//
// Invariants:
//   - Every hiredis call on an attached context, and every readiness handler, runs on the one
//     executor given to attach_asio (a strand, or an io_context run by a single thread).
//   - The descriptor never owns the socket: hiredis closes it in redisFree, after the cleanup
//     hook has released it from Asio (so epoll never watches a closed, reusable fd number).
//   - After cleanup, no handler touches the context again (waits still queued see "detached").
#pragma once

#include <boost/asio/any_io_executor.hpp>

struct redisAsyncContext;

namespace patchq::redis {

// Attaches `context` (freshly made by redisAsyncConnect, without error) to `executor`.
// Returns false when another event library is already attached.
bool attach_asio(redisAsyncContext* context, const boost::asio::any_io_executor& executor);

}  // namespace patchq::redis
