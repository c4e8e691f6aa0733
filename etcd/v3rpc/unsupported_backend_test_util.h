// Test helper: a Backend whose every call answers "unsupported". Fakes derive from it and
// override what their test serves (open_watch_stream stays theirs to write).
#pragma once

#include <string>
#include <vector>

#include "etcd/v3rpc/backend.h"

namespace etcd::v3rpc::testing {

class UnsupportedBackend : public Backend {
 public:
  void range(mvcc::RangeRequest, Reply<mvcc::RangeResponse> done) override { no(done); }
  void write(mvcc::WriteRequest, Reply<mvcc::WriteResponse> done) override { no(done); }
  void lease_grant(int64_t, int64_t, Reply<mvcc::LeaseResponse> done) override { no(done); }
  void lease_revoke(int64_t, Reply<mvcc::LeaseResponse> done) override { no(done); }
  void lease_renew(int64_t, Reply<mvcc::LeaseResponse> done) override { no(done); }
  void lease_time_to_live(int64_t, bool, Reply<LeaseStatus> done) override { no(done); }
  void lease_list(Reply<std::vector<int64_t>> done) override { no(done); }
  void status(Reply<StatusInfo> done) override { no(done); }
  void hash_kv(int64_t, Reply<mvcc::HashKvResponse> done) override { no(done); }
  void snapshot(Reply<std::string> done) override { no(done); }
  void move_leader(uint64_t, Reply<bool> done) override { no(done); }
  void alarm(mvcc::AlarmRequest, Reply<mvcc::AlarmResponse> done) override { no(done); }
  void member_list(Reply<std::vector<server::Member>> done) override { no(done); }
  void member_add(std::vector<std::string>, bool, Reply<MemberChange> done) override {
    no(done);
  }
  void member_remove(uint64_t, Reply<MemberChange> done) override { no(done); }
  void member_update(uint64_t, std::vector<std::string>, Reply<MemberChange> done) override {
    no(done);
  }
  void member_promote(uint64_t, Reply<MemberChange> done) override { no(done); }

 private:
  template <typename T>
  static void no(Reply<T>& done) {
    done(Error{"unsupported"}, Header{});
  }
};

}  // namespace etcd::v3rpc::testing
