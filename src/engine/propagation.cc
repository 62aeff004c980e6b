// The per-thread propagation scope.
#include "engine/propagation.h"

namespace cachet {
namespace {

thread_local PropagationScope* g_current = nullptr;

}  // namespace

PropagationScope::PropagationScope(const std::atomic<CommandLog*>* log_source, int db,
                                   std::span<const std::string_view> args)
    : log_source_(log_source), db_(db), args_(args), previous_(g_current) {
  g_current = this;
}

PropagationScope::~PropagationScope() { g_current = previous_; }

PropagationScope* PropagationScope::Current() { return g_current; }

bool PropagationScope::Logging() {
  return g_current != nullptr && g_current->log_source_->load() != nullptr;
}

void PropagationScope::Rewrite(std::vector<std::string> args) {
  if (!Logging()) return;
  g_current->rewritten_ = std::move(args);
  g_current->has_rewrite_ = true;
}

void PropagationScope::Emit() {
  CommandLog* log = log_source_->load();
  if (emitted_ || log == nullptr) return;
  emitted_ = true;
  if (!has_rewrite_) {
    log->Append(db_, args_);
    return;
  }
  std::vector<std::string_view> views(rewritten_.begin(), rewritten_.end());
  log->Append(db_, views);
}

}  // namespace cachet
