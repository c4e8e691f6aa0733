// The one place Boost.Asio/Beast enter the project.
//
// Boost 1.74's Asio uses std::exchange without including <utility>; under C++20 with
// GCC 12 that fails ("'exchange' is not a member of 'std'"). Every file that needs Asio
// includes this header instead of Boost directly.
#pragma once

#include <utility>

#include <boost/asio.hpp>
