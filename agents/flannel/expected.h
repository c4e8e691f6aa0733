// Expected<T, E> for flannel: the agents' shared one (agents/common/expected.h).
#pragma once

#include "agents/common/expected.h"

namespace corestack::flannel {

using agents::Done;
using agents::Expected;
using agents::Unexpected;
using agents::unexpected;

}  // namespace corestack::flannel
