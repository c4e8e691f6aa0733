// The table v3_bench prints (markdown, as v2_bench's): one row per workload with etcd2
// and etcd side by side and the ratio etcd2/etcd (`x` columns), built from bench/common's
// cells; RSS is the members' sum at the end of the measured window (largest over the
// repetitions). For watch, ops/s counts events and the latency is the fan-out time; a
// note under the table gives the same measured from the Put's send.
#pragma once

#include <ostream>
#include <vector>

#include "bench/v3/v3_runner.h"

namespace bench::v3 {

void print_table(std::ostream& out, const std::vector<Cell>& cells);

}  // namespace bench::v3
