// The one place Boost.Asio/Beast enter the project.
//
// Boost 1.74's Asio uses std::exchange without including <utility>; under C++20 with
// GCC 12 that fails ("'exchange' is not a member of 'std'"). Every file that needs Asio
// includes this header instead of Boost directly.
#pragma once

#include <utility>

// Boost 1.74 only recognises clang's coroutines TS, not C++20 coroutines; tell it they are
// there so awaitable/co_spawn exist under clang too (the fuzz tree builds with clang 14).
#if defined(__clang__) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#define BOOST_ASIO_HAS_CO_AWAIT 1
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif

#include <boost/asio.hpp>
