// Expected<T, E> for locksmith: the agents' shared one (agents/common/expected.h).
#pragma once

#include "agents/common/expected.h"

namespace corestack::locksmith {

using agents::Done;
using agents::Expected;
using agents::Unexpected;
using agents::unexpected;

}  // namespace corestack::locksmith
