#include "tests/sim/trace.h"

#include "etcd/raft/codec.h"

namespace etcd::sim {
namespace {

// Contexts are opaque bytes (the transfer marker is binary); show them safely.
std::string printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x21 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

}  // namespace

void TraceLogger::log(raft::LogLevel level, std::string_view line) {
  static constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
  trace_.add(now_tick_, "raft {}: {}", kNames[static_cast<int>(level)], line);
}

std::string describe(const raft::Entry& entry) {
  std::string out = fmt::format("{}:{}", entry.index.value, entry.term.value);
  if (entry.type == raft::EntryType::conf_change) {
    auto change = raft::decode_conf_change(entry.data);
    if (!change.ok()) return out + "(bad conf change)";
    static constexpr const char* kTypes[] = {"add", "remove", "learner", "update"};
    return out + fmt::format("(cc {} n{})", kTypes[static_cast<int>(change->type)],
                             change->node_id.value);
  }
  if (entry.data.empty()) return out + "(noop)";
  return out + "(" + printable(entry.data) + ")";
}

std::string describe_entries(const std::vector<raft::Entry>& entries) {
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out += ' ';
    out += describe(entries[i]);
  }
  return out + "]";
}

std::string describe(const raft::ConfState& state) {
  std::string out = "voters={";
  for (size_t i = 0; i < state.voters.size(); ++i) {
    out += fmt::format("{}n{}", i ? "," : "", state.voters[i].value);
  }
  out += "} learners={";
  for (size_t i = 0; i < state.learners.size(); ++i) {
    out += fmt::format("{}n{}", i ? "," : "", state.learners[i].value);
  }
  return out + "}";
}

std::string describe(const raft::Message& m) {
  std::string out = fmt::format("{} n{}->n{} term={}", raft::to_string(m.type), m.from.value,
                                m.to.value, m.term.value);
  if (m.log_term.value != 0 || m.index.value != 0) {
    out += fmt::format(" log_term={} index={}", m.log_term.value, m.index.value);
  }
  if (!m.entries.empty()) out += " entries=" + describe_entries(m.entries);
  if (m.commit.value != 0) out += fmt::format(" commit={}", m.commit.value);
  if (m.reject) {
    out += fmt::format(" reject hint={}/{}", m.reject_hint.value, m.reject_hint_term.value);
  }
  if (m.snapshot) {
    out += fmt::format(" snapshot={}:{} {}", m.snapshot->metadata.index.value,
                       m.snapshot->metadata.term.value, describe(m.snapshot->metadata.conf_state));
  }
  if (!m.context.empty()) out += " ctx=" + printable(m.context);
  return out;
}

}  // namespace etcd::sim
