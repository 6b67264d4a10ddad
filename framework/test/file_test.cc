// file_test.cc: whole inputs read with a bound: a regular file is measured first, a pipe is read
// with a deadline, a device is refused unread.
#include "loadgate/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "loadgate/error.h"

namespace loadgate {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/lg_file_" + name; }

// What read_file_or_throw() said: its bytes, or "error: " and the message.
std::string read_or_error(const std::string& path, size_t max = kMaxInputBytes) {
  try {
    return read_file_or_throw(path, "-feeder", "cannot read feeder file", max);
  } catch (const InputError& e) {
    return std::string("error: ") + e.what();
  }
}

TEST(File, ReadsWhatItCanAndSaysWhyNot) {
  const std::string small = temp_path("small");
  std::ofstream(small) << "id\n1\n";
  const std::string big = temp_path("big");
  std::ofstream(big) << std::string(2000, 'x');
  struct {
    std::string path;
    size_t max;
    std::string starts;  // of the result
  } rows[] = {
      {small, kMaxInputBytes, "id\n1\n"},
      {big, 1000, "error: " + big + ": -feeder: cannot read feeder file (larger than 1000 bytes)"},
      {"/dev/zero", kMaxInputBytes, "error: /dev/zero: -feeder: cannot read feeder file (is a device, not a file)"},
      {::testing::TempDir(), kMaxInputBytes, "error: " + ::testing::TempDir()},
      {temp_path("missing"), kMaxInputBytes, "error: " + temp_path("missing")},
  };
  for (const auto& row : rows) {
    const std::string got = read_or_error(row.path, row.max);
    EXPECT_EQ(got.rfind(row.starts, 0), 0u) << row.path << " said: " << got;
  }
}

// A FIFO nobody writes to is given up after the pipe's deadline (5 s), not waited on for ever;
// one whose writer comes later, and writes in pieces, is read to its end.
TEST(File, AFifoIsReadWithADeadline) {
  const std::string fifo = temp_path("fifo");
  unlink(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  const std::string alone = read_or_error(fifo);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
  EXPECT_NE(alone.find("a pipe with no writer for 5 s"), std::string::npos) << alone;

  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // after the reader opened it
    const int fd = open(fifo.c_str(), O_WRONLY);                  // blocks until a reader has it open
    if (fd < 0) return;
    for (int i = 0; i < 2; ++i) {
      if (write(fd, "row\n", 4) != 4) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    close(fd);
  });
  const std::string got = read_or_error(fifo);
  writer.join();
  EXPECT_EQ(got, "row\nrow\n");
  unlink(fifo.c_str());
}

}  // namespace
}  // namespace loadgate
