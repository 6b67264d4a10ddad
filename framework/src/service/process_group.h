// process_group.h: a program started in a process group of its own (so that it and every child
// it forks can be signalled at once), and a guard process that kills the group if the process
// that started it dies first. Linux only; used by Service (service.cc).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "loadgate/duration.h"

namespace loadgate::service {

/// Launch is a program to exec: everything resolved before the fork.
struct Launch {
  std::string path;               ///< the executable (absolute, or relative to `directory`)
  std::vector<std::string> argv;  ///< argv[0] included
  std::vector<std::string> env;   ///< "NAME=value", the whole environment
  std::string directory;          ///< chdir first ("" = stay)
  int output_fd = -1;             ///< becomes its stdout and stderr
  std::vector<int> cpus;          ///< pinned to these CPUs before exec (inherited); empty = any
};

/// Forks and execs `l` as the leader of a new process group (pgid = its pid), stdin from
/// /dev/null, signals unblocked and at their defaults, no other inherited descriptor. Returns its
/// pid, or -1 with `error` set ("cannot exec ./shop_server: Permission denied").
pid_t spawn_group(const Launch& l, std::string& error);

/// The executable `program` names: a path (relative to `directory` when not absolute) or a name
/// searched in $PATH. "" with `error` set when it is missing or not executable.
std::string find_program(const std::string& program, const std::string& directory, std::string& error);

/// Processes of group `pgid` still running (zombies excluded), from /proc.
std::vector<pid_t> live_members(pid_t pgid);

/// The environment variable every service carries, with a value unique to it (Marker), and
/// every process it starts inherits: how the ones that left its process group (setsid, a double
/// fork) are found again. Jenkins finds a build's processes the same way. A subreaper
/// (PR_SET_CHILD_SUBREAPER) would make loadgate the parent of every orphan it must then reap,
/// and would still not say which service an orphan came from; a cgroup needs a delegation that
/// a CI runner seldom gives.
inline constexpr const char* kMarkerVariable = "LOADGATE_SERVICE_MARK";

/// Marker is one service's "LOADGATE_SERVICE_MARK=<value>" entry, in a fixed buffer so that a
/// forked guard can search for it without allocating.
struct Marker {
  char entry[96] = {};  ///< "LOADGATE_SERVICE_MARK=<pid>.<n>.<ns>", NUL-terminated
  size_t size = 0;      ///< strlen(entry)
  /// A new value, unique to this process and call.
  static Marker make();
};

/// Calls `on(pid)` for every process but this one whose environment holds `m.entry` (zombies
/// have none). Async-signal-safe when `on` is: raw system calls, no allocation (a forked guard
/// uses it).
void for_each_marked(const Marker& m, void (*on)(pid_t, void*), void* arg);

/// Processes whose environment holds `m.entry` (for_each_marked()).
std::vector<pid_t> marked(const Marker& m);

/// "exited with code 3", "exited with signal 11 (SIGSEGV)" for a waitpid() status.
std::string describe_status(int status);

/// Guard is a small forked process that SIGTERMs, then after `grace` SIGKILLs, group `pgid` and
/// every process marked with `marker` when the process that made it ends without calling
/// release(): a crash or SIGKILL of a test never leaves a service, or what it started, behind.
class Guard {
 public:
  Guard() = default;
  Guard(pid_t pgid, Nanos grace, const Marker& marker);
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
  ~Guard() { release(); }
  /// Lets the guard exit without touching the group (it was stopped properly), and reaps it.
  void release();

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

}  // namespace loadgate::service
