// The per-thread propagation scope.
#include "engine/propagation.h"

namespace cachet {
namespace {

thread_local PropagationScope* g_current = nullptr;

}  // namespace

PropagationScope::PropagationScope(CommandLog* log, int db,
                                   std::span<const std::string_view> args)
    : log_(log), db_(db), args_(args), previous_(g_current) {
  g_current = this;
}

PropagationScope::~PropagationScope() { g_current = previous_; }

PropagationScope* PropagationScope::Current() { return g_current; }

void PropagationScope::Rewrite(std::vector<std::string> args) {
  if (g_current == nullptr) return;
  g_current->rewritten_ = std::move(args);
  g_current->has_rewrite_ = true;
}

void PropagationScope::Emit() {
  if (emitted_ || log_ == nullptr) return;
  emitted_ = true;
  if (!has_rewrite_) {
    log_->Append(db_, args_);
    return;
  }
  std::vector<std::string_view> views(rewritten_.begin(), rewritten_.end());
  log_->Append(db_, views);
}

}  // namespace cachet
