// process_group.cc: fork/exec into a new process group, the guard, and /proc scans.
#include "process_group.h"

#include "loadgate/monitor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace loadgate::service {
namespace {

// Closes every descriptor from `first` up, but `keep`. Async-signal-safe (a system call).
void close_from(int first, int keep) {
  if (keep >= first) {
    if (keep > first) close_range(static_cast<unsigned>(first), static_cast<unsigned>(keep - 1), 0);
    close_range(static_cast<unsigned>(keep + 1), ~0U, 0);
  } else {
    close_range(static_cast<unsigned>(first), ~0U, 0);
  }
}

// Signals back to their defaults and unblocked: the test (or the CLI waiting for Ctrl-C) may
// block or ignore some, and exec keeps both.
void reset_signals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string find_program(const std::string& program, const std::string& directory, std::string& error) {
  if (program.find('/') != std::string::npos) {
    const std::string path = program[0] == '/' || directory.empty() ? program : directory + "/" + program;
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      error = path + ": no such file";
    } else if (!S_ISREG(st.st_mode)) {
      error = path + ": not a regular file";
    } else if (access(path.c_str(), X_OK) != 0) {
      error = path + ": not executable";
    } else {
      return path;
    }
    return "";
  }
  const char* env = std::getenv("PATH");
  const std::string search = env && *env ? env : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= search.size()) {
    const size_t end = std::min(search.find(':', start), search.size());
    const std::string dir = search.substr(start, end - start);
    const std::string path = (dir.empty() ? "." : dir) + "/" + program;
    if (is_executable_file(path)) return path;
    start = end + 1;
  }
  error = program + ": not found in $PATH";
  return "";
}

pid_t spawn_group(const Launch& l, std::string& error) {
  // Everything the child needs is built before the fork: after it, only system calls.
  std::vector<char*> argv, envp;
  for (const std::string& a : l.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const std::string& e : l.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  for (int c : l.cpus)
    if (c >= 0 && c < CPU_SETSIZE) CPU_SET(c, &cpus);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int report[2];  // the child writes errno here when exec fails; closed by a successful exec
  if (null_fd < 0 || pipe2(report, O_CLOEXEC) != 0) {
    error = std::string("cannot start: ") + std::strerror(errno);
    if (null_fd >= 0) close(null_fd);
    return -1;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork failed: ") + std::strerror(errno);
    close(null_fd);
    close(report[0]);
    close(report[1]);
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    reset_signals();
    int err = 0;
    if (!l.directory.empty() && chdir(l.directory.c_str()) != 0) err = errno;
    if (err == 0 && !l.cpus.empty() && sched_setaffinity(0, sizeof cpus, &cpus) != 0) err = errno;
    if (err == 0 && (dup2(null_fd, 0) < 0 || dup2(l.output_fd, 1) < 0 || dup2(l.output_fd, 2) < 0)) err = errno;
    if (err == 0) {
      close_from(3, report[1]);  // no descriptor of the test (sockets, listeners) leaks into it
      execve(l.path.c_str(), argv.data(), envp.data());
      err = errno;
    }
    ssize_t ignored = write(report[1], &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no signal may reach the group before the child made it
  close(null_fd);
  close(report[1]);
  int child_errno = 0;
  ssize_t n;
  do n = read(report[0], &child_errno, sizeof child_errno);
  while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    waitpid(pid, nullptr, 0);
    error = "cannot exec " + l.path + (l.directory.empty() ? "" : " in " + l.directory) + ": " +
            std::strerror(child_errno);
    return -1;
  }
  return pid;
}

std::vector<pid_t> live_members(pid_t pgid) {
  const std::vector<int> members = process_group_members(static_cast<int>(pgid));
  return {members.begin(), members.end()};
}

Marker Marker::make() {
  static std::atomic<unsigned> counter{0};
  Marker m;
  const int n = std::snprintf(m.entry, sizeof m.entry, "%s=%d.%u.%lld", kMarkerVariable, static_cast<int>(getpid()),
                              counter.fetch_add(1) + 1, static_cast<long long>(steady_now_ns()));
  m.size = n > 0 ? std::min(static_cast<size_t>(n), sizeof m.entry - 1) : 0;
  return m;
}

namespace {

// Whether the environment of the process `pid_name` (a directory of /proc, open as `proc`)
// holds the entry `needle` ("\0NAME=value\0", `len` bytes). No allocation.
bool environ_holds(int proc, const char* pid_name, const char* needle, size_t len) {
  char path[48];
  size_t at = 0;
  for (const char* c = pid_name; *c && at < 24; ++c) path[at++] = *c;
  std::memcpy(path + at, "/environ", 9);
  const int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char chunk[8192];
  size_t kept = 1;
  chunk[0] = '\0';  // the first entry follows no NUL of its own
  bool found = false;
  for (;;) {
    const ssize_t n = read(fd, chunk + kept, sizeof chunk - kept);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const size_t have = kept + static_cast<size_t>(n);
    if (memmem(chunk, have, needle, len)) {
      found = true;
      break;
    }
    kept = std::min(have, len - 1);  // a match across the chunk boundary
    std::memmove(chunk, chunk + have - kept, kept);
  }
  close(fd);
  return found;
}

}  // namespace

void for_each_marked(const Marker& m, void (*on)(pid_t, void*), void* arg) {
  if (m.size == 0 || m.size + 2 > 128) return;
  char needle[128];
  needle[0] = '\0';
  std::memcpy(needle + 1, m.entry, m.size);
  needle[m.size + 1] = '\0';
  const size_t len = m.size + 2;
  const int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return;
  struct Entry {  // linux_dirent64
    uint64_t ino;
    int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[1];
  };
  alignas(8) char buf[8192];
  const pid_t self = getpid();
  for (;;) {
    const long n = syscall(SYS_getdents64, proc, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      const auto* e = reinterpret_cast<const Entry*>(buf + off);
      off += e->reclen;
      long pid = 0;
      const char* c = e->name;
      for (; *c >= '0' && *c <= '9'; ++c) pid = pid * 10 + (*c - '0');
      if (*c != '\0' || pid <= 0 || pid == self) continue;
      if (environ_holds(proc, e->name, needle, len)) on(static_cast<pid_t>(pid), arg);
    }
  }
  close(proc);
}

std::vector<pid_t> marked(const Marker& m) {
  std::vector<pid_t> out;
  for_each_marked(
      m, [](pid_t pid, void* out) { static_cast<std::vector<pid_t>*>(out)->push_back(pid); }, &out);
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return "exited with signal " + std::to_string(sig) + (abbrev ? " (SIG" + std::string(abbrev) + ")" : "") +
           (WCOREDUMP(status) ? ", core dumped" : "");
  }
  return "ended with status " + std::to_string(status);
}

Guard::Guard(pid_t pgid, Nanos grace, const Marker& marker_given) {
  const Marker marker = marker_given;  // on this stack, which the fork copies
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  const timespec wait{static_cast<time_t>(grace.count() / 1'000'000'000),
                      static_cast<long>(grace.count() % 1'000'000'000)};
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (pid == 0) {
    // Only system calls from here: this is a fork of a threaded process.
    close_from(0, fds[0]);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) signal(sig, SIG_IGN);
    char c = 0;
    ssize_t n;
    do n = read(fds[0], &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1) _exit(0);  // released: the group was stopped properly
    // The process that started the group is gone: stop the group, and what the service started
    // outside it, the way stop() would.
    static int signal_to_send;
    auto send = [](pid_t pid, void*) { kill(pid, signal_to_send); };
    signal_to_send = SIGTERM;
    const bool group = kill(-pgid, SIGTERM) == 0;
    for_each_marked(marker, send, nullptr);
    timespec left = wait;
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    if (group) kill(-pgid, SIGKILL);
    signal_to_send = SIGKILL;
    for_each_marked(marker, send, nullptr);
    _exit(0);
  }
  close(fds[0]);
  pid_ = pid;
  fd_ = fds[1];
}

void Guard::release() {
  if (fd_ >= 0) {
    const char c = 'x';
    ssize_t ignored = write(fd_, &c, 1);
    (void)ignored;
    close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) {
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

}  // namespace loadgate::service
