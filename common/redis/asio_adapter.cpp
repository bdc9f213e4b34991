// Asio adapter for hiredis' async API (see asio_adapter.hpp for the invariants).
//
// hiredis treats addRead/addWrite as "keep watching until the matching del is called" (level
// semantics, as libev's watchers). An Asio wait completes once, so each direction keeps a
// wanted flag (set by add, cleared by del) and at most one wait in flight; the wait is re-armed
// after each completion while the direction is still wanted.
//
// Writes on a connected socket skip the readiness wait: a connected socket is almost always
// writable, so addWrite posts one flush to the executor instead (one per batch: every command
// appended before it runs goes out in the same write). Only when a write could not finish
// (hiredis asks for write readiness again from inside the flush) or while connecting does the
// adapter wait for the socket to become writable.
#include "common/redis/asio_adapter.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <memory>

namespace patchq::redis {
namespace {

namespace asio = boost::asio;
using Wait = asio::posix::stream_descriptor::wait_type;

class AsioEvents : public std::enable_shared_from_this<AsioEvents> {
 public:
  AsioEvents(redisAsyncContext* context, const asio::any_io_executor& executor)
      : context_(context), descriptor_(executor, context->c.fd) {}

  void want(Wait direction, bool wanted) {
    Direction& d = at(direction);
    d.wanted = wanted;
    if (!wanted) return;
    if (direction == Wait::wait_write && !writing_ && context_ != nullptr &&
        (context_->c.flags & REDIS_CONNECTED) != 0) {
      post_flush();
      return;
    }
    arm(direction);
  }

  // hiredis is about to close the socket: forget the context and let go of the fd without
  // closing it. Pending waits complete with operation_aborted and find context_ == nullptr.
  void detach() {
    if (context_ != nullptr) {
      // Later hiredis versions may run hooks again while tearing down: make them no-ops.
      context_->ev = {};
    }
    context_ = nullptr;
    read_.wanted = write_.wanted = false;
    if (descriptor_.is_open()) descriptor_.release();
  }

 private:
  struct Direction {
    bool wanted = false;
    bool waiting = false;
  };

  void post_flush() {
    if (flush_posted_ || write_.waiting) return;  // one flush (or wait) serves the whole batch
    flush_posted_ = true;
    asio::post(descriptor_.get_executor(), [self = shared_from_this()] {
      self->flush_posted_ = false;
      if (self->context_ != nullptr && self->write_.wanted) self->handle_write();
    });
  }

  void handle_write() {
    writing_ = true;  // an addWrite from inside means "could not write it all": wait for room
    redisAsyncHandleWrite(context_);
    writing_ = false;
  }
  Direction& at(Wait direction) { return direction == Wait::wait_read ? read_ : write_; }

  void arm(Wait direction) {
    Direction& d = at(direction);
    if (d.waiting || context_ == nullptr) return;
    d.waiting = true;
    descriptor_.async_wait(
        direction, [self = shared_from_this(), direction](const boost::system::error_code& ec) {
          self->on_ready(direction, ec);
        });
  }

  void on_ready(Wait direction, const boost::system::error_code& ec) {
    at(direction).waiting = false;
    if (context_ == nullptr || ec == asio::error::operation_aborted) return;
    if (!at(direction).wanted) return;
    // Other errors (EPOLLERR/EPOLLHUP) are left to hiredis: its read or write sees them.
    if (direction == Wait::wait_read) {
      redisAsyncHandleRead(context_);
    } else {
      handle_write();
    }
    // The call above may have freed the context (detach ran) or dropped the wish.
    if (context_ != nullptr && at(direction).wanted) arm(direction);
  }

  redisAsyncContext* context_;
  asio::posix::stream_descriptor descriptor_;
  Direction read_;
  Direction write_;
  bool flush_posted_ = false;
  bool writing_ = false;
};

// hiredis hands back ev.data; it points at a heap shared_ptr so waits in flight keep the
// events object alive after cleanup.
AsioEvents& events(void* privdata) {
  return **static_cast<std::shared_ptr<AsioEvents>*>(privdata);
}

void add_read(void* privdata) {
  events(privdata).want(Wait::wait_read, true);
}
void del_read(void* privdata) {
  events(privdata).want(Wait::wait_read, false);
}
void add_write(void* privdata) {
  events(privdata).want(Wait::wait_write, true);
}
void del_write(void* privdata) {
  events(privdata).want(Wait::wait_write, false);
}
void cleanup(void* privdata) {
  auto* holder = static_cast<std::shared_ptr<AsioEvents>*>(privdata);
  (*holder)->detach();
  delete holder;
}

}  // namespace

bool attach_asio(redisAsyncContext* context, const asio::any_io_executor& executor) {
  if (context->ev.data != nullptr) return false;
  auto* holder = new std::shared_ptr<AsioEvents>(std::make_shared<AsioEvents>(context, executor));
  context->ev.data = holder;
  context->ev.addRead = add_read;
  context->ev.delRead = del_read;
  context->ev.addWrite = add_write;
  context->ev.delWrite = del_write;
  context->ev.cleanup = cleanup;
  return true;
}

}  // namespace patchq::redis
