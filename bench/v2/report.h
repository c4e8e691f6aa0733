// The tables v2_bench prints (markdown, so docs/performance.md can take them as they are):
// the matrix with etcd2 and etcd side by side and the ratio etcd2/etcd, and the keyspace
// table (RSS, data dir, restart, snapshot). Repetitions of a cell are combined: ops/s is
// their median (± half the spread), latency percentiles come from the merged histograms,
// CPU per 1000 ops from the summed CPU and ops.
#pragma once

#include <ostream>
#include <vector>

#include "bench/v2/keyspace_runner.h"
#include "bench/v2/matrix_runner.h"

namespace bench {

void print_matrix(std::ostream& out, const std::vector<CellResult>& cells,
                  const std::vector<ServerKind>& servers);
void print_keyspace(std::ostream& out, const std::vector<KeyspaceResult>& results,
                    const std::vector<ServerKind>& servers);

}  // namespace bench
