// sleep_reference.cc: the punctuality of a bare sleeping thread on this machine, as a reference
// for the pacer's: sleeps until each of N deadlines PERIOD apart (clock_nanosleep, absolute,
// no timer slack) and prints how late it woke: "p50_us p99_us max_us over_1ms". What a
// generator cannot beat on a given machine at a given moment (a VM's vCPU may be descheduled).
//   loadgate_sleep_reference [N=1000] [PERIOD_US=5000]
#include <sys/prctl.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

int64_t now_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1'000'000'000LL + t.tv_nsec;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int64_t period = (argc > 2 ? std::atoll(argv[2]) : 5000) * 1000;
  if (n <= 0 || period <= 0) {
    std::fprintf(stderr, "usage: loadgate_sleep_reference [N>0] [PERIOD_US>0]\n");
    return 2;
  }
  prctl(PR_SET_TIMERSLACK, 1UL);  // as loadgate's I/O threads
  std::vector<int64_t> late;
  late.reserve(static_cast<size_t>(n));
  int64_t next = now_ns() + period;
  for (int i = 0; i < n; ++i, next += period) {
    const timespec at{static_cast<time_t>(next / 1'000'000'000), static_cast<long>(next % 1'000'000'000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
    late.push_back(now_ns() - next);
  }
  std::sort(late.begin(), late.end());
  const auto over = std::count_if(late.begin(), late.end(), [](int64_t x) { return x > 1'000'000; });
  std::printf("%.1f %.1f %.1f %ld\n", static_cast<double>(late[late.size() / 2]) / 1e3,
              static_cast<double>(late[late.size() * 99 / 100]) / 1e3, static_cast<double>(late.back()) / 1e3,
              static_cast<long>(over));
  return 0;
}
