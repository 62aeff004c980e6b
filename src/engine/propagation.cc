// The per-thread propagation scope.
#include "engine/propagation.h"

namespace cachet {
namespace {

thread_local PropagationScope* g_current = nullptr;
thread_local LoggedTransaction* g_transaction = nullptr;

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
  LoggedTransaction::BeforeAppend(log, db_);
  if (!has_rewrite_) {
    log->Append(db_, args_);
    return;
  }
  std::vector<std::string_view> views(rewritten_.begin(), rewritten_.end());
  log->Append(db_, views);
}

LoggedTransaction::LoggedTransaction() : previous_(g_transaction) { g_transaction = this; }

LoggedTransaction::~LoggedTransaction() {
  Close();
  g_transaction = previous_;
}

void LoggedTransaction::Close() {
  if (open_in_ == nullptr) return;
  std::string_view exec[] = {"EXEC"};
  open_in_->Append(db_, exec);
  open_in_ = nullptr;
}

void LoggedTransaction::BeforeAppend(CommandLog* log, int db) {
  LoggedTransaction* t = g_transaction;
  if (t == nullptr || t->open_in_ == log) return;
  t->Close();
  std::string_view multi[] = {"MULTI"};
  log->Append(db, multi);
  t->open_in_ = log;
  t->db_ = db;
}

}  // namespace cachet
