/*
 * tcpblast_linux: user/src/bin/tcpblast.rs in C, for Linux, so that
 * tools/net_bench.py can measure bulk TCP through a Linux 6.1 guest on the
 * same QEMU, card and relay as oxv6. Same commands, same chunk size, same
 * output lines:
 *
 *     tcpblast_linux send IP PORT MIB   connect, send MIB MiB, close
 *     tcpblast_linux recv PORT          accept connections one after another,
 *                                       read each to its end, close it
 *
 * Each transfer ends with `tcpblast: sent|received N bytes in T ms (R MB/s)`
 * (MB = 10^6 bytes), timed from the connection to the end. Keep the two
 * programs in step.
 *
 *     cc -static -O2 -o tcpblast_linux tools/tcpblast_linux.c
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (16 * 1024) /* tcpblast.rs's CHUNK */

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void report(const char *verb, uint64_t bytes, uint64_t started_ns)
{
    uint64_t ns = now_ns() - started_ns;
    if (ns == 0)
        ns = 1;
    printf("tcpblast: %s %llu bytes in %llu ms (%.2f MB/s)\n", verb, (unsigned long long)bytes,
           (unsigned long long)(ns / 1000000), (double)bytes * 1000.0 / (double)ns);
}

static int send_mib(const char *ip, int port, uint64_t mib)
{
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, ip, &to.sin_addr) != 1) {
        fprintf(stderr, "tcpblast: bad address %s\n", ip);
        return 1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint64_t started = now_ns();
    if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("tcpblast: connect");
        return 1;
    }
    static char buffer[CHUNK];
    for (int i = 0; i < CHUNK; i++)
        buffer[i] = (char)(i % 251);
    uint64_t total = mib << 20, sent = 0;
    while (sent < total) {
        size_t n = total - sent < CHUNK ? (size_t)(total - sent) : CHUNK;
        ssize_t done = write(fd, buffer, n);
        if (done <= 0) {
            perror("tcpblast: write");
            return 1;
        }
        sent += (uint64_t)done;
    }
    close(fd);
    report("sent", sent, started);
    return 0;
}

static int recv_forever(int port)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0), on = 1;
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons(port)};
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (bind(listener, (struct sockaddr *)&at, sizeof at) < 0 || listen(listener, 4) < 0) {
        perror("tcpblast: bind/listen");
        return 1;
    }
    printf("tcpblast: listening on TCP port %d\n", port);
    static char buffer[CHUNK];
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) {
            perror("tcpblast: accept");
            return 1;
        }
        uint64_t started = now_ns(), received = 0;
        ssize_t n;
        while ((n = read(fd, buffer, sizeof buffer)) > 0)
            received += (uint64_t)n;
        close(fd);
        report("received", received, started);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && strcmp(argv[1], "send") == 0)
        return send_mib(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 3 && strcmp(argv[1], "recv") == 0)
        return recv_forever(atoi(argv[2]));
    fprintf(stderr, "usage: tcpblast_linux send IP PORT MIB | recv PORT\n");
    return 2;
}
