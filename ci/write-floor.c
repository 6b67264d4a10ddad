// write-floor: the machine's floor for a burst of HTTP requests, as a reference for bench-replay.
// Opens N keep-alive connections to 127.0.0.1:PORT, then ROUNDS times writes one GET on each in a
// plain loop (nothing else: no scheduling, no timing per request, no parsing) and prints the
// microseconds from the round's start to the end of its last write; reads the answers between
// rounds. Usage: write-floor PORT ROUNDS [N=100]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char** argv) {
  if (argc < 3) return fprintf(stderr, "usage: write-floor PORT ROUNDS [N]\n"), 2;
  int port = atoi(argv[1]), rounds = atoi(argv[2]), n = argc > 3 ? atoi(argv[3]) : 100;
  int* fd = calloc(n, sizeof *fd);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(0x7f000001);
  const char* req = "GET /floor HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: write-floor\r\n\r\n";
  size_t len = strlen(req);
  char buf[4096];
  for (int i = 0; i < n; i++) {
    int one = 1;
    fd[i] = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd[i], (struct sockaddr*)&a, sizeof a) != 0) return perror("write-floor: connect"), 1;
  }
  for (int r = 0; r < rounds; r++) {
    double t0 = now_us();
    for (int i = 0; i < n; i++)
      if (write(fd[i], req, len) != (ssize_t)len) return perror("write-floor: write"), 1;
    printf("%.0f\n", now_us() - t0);
    for (int i = 0; i < n; i++)
      if (read(fd[i], buf, sizeof buf) <= 0) return perror("write-floor: read"), 1;
    usleep(20000);
  }
  return 0;
}
