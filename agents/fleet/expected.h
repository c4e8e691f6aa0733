// Expected<T, E> for fleet core: the agents' shared one (agents/common/expected.h).
#pragma once

#include "agents/common/expected.h"

namespace corestack::fleet {

using agents::Done;
using agents::Expected;
using agents::Unexpected;
using agents::unexpected;

}  // namespace corestack::fleet
