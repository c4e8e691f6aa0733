#include "tests/sim/kv_state_machine.h"

#include <charconv>

#include "etcd/common/bytes.h"
#include "tests/sim/sim_hash.h"

namespace etcd::sim {

std::string encode_write(const WriteCommand& command) {
  return "w" + std::to_string(command.op_id) + ":" + command.key;
}

std::optional<WriteCommand> decode_write(std::string_view data) {
  if (data.size() < 3 || data[0] != 'w') return std::nullopt;
  size_t colon = data.find(':');
  if (colon == std::string_view::npos || colon + 1 >= data.size()) return std::nullopt;
  WriteCommand command;
  auto [end, error] = std::from_chars(data.data() + 1, data.data() + colon, command.op_id);
  if (error != std::errc() || end != data.data() + colon) return std::nullopt;
  command.key = std::string(data.substr(colon + 1));
  return command;
}

void KvStateMachine::apply(const raft::Entry& entry) {
  hash_ = mix(hash_, entry.index.value);
  hash_ = mix(hash_, entry.term.value);
  hash_ = mix(hash_, static_cast<uint64_t>(entry.type));
  hash_ = mix(hash_, fnv1a(entry.data));
  applied_ = entry.index;
  if (entry.type != raft::EntryType::normal) return;
  if (auto command = decode_write(entry.data)) {
    values_[command->key] = Value{command->op_id, entry.index};
  }
}

const KvStateMachine::Value* KvStateMachine::get(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string KvStateMachine::encode() const {
  std::string out;
  ByteWriter w(out);
  w.u64(applied_.value);
  w.u64(hash_);
  w.u32(static_cast<uint32_t>(values_.size()));
  for (const auto& [key, value] : values_) {
    w.bytes(key);
    w.u64(value.op_id);
    w.u64(value.index.value);
  }
  return out;
}

Result<KvStateMachine> KvStateMachine::decode(std::string_view data) {
  ByteReader r(data);
  KvStateMachine machine;
  uint32_t count = 0;
  if (!r.u64(machine.applied_.value) || !r.u64(machine.hash_) || !r.count(count, 20)) {
    return Error{"malformed state machine snapshot"};
  }
  for (uint32_t i = 0; i < count; ++i) {
    std::string key;
    Value value;
    if (!r.bytes(key) || !r.u64(value.op_id) || !r.u64(value.index.value)) {
      return Error{"malformed state machine snapshot"};
    }
    machine.values_.emplace(std::move(key), value);
  }
  if (!r.at_end()) return Error{"trailing bytes in state machine snapshot"};
  return machine;
}

}  // namespace etcd::sim
