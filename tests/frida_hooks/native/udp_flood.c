/* Test target: send N datagrams of SIZE bytes with sendto() to 127.0.0.1:PORT once a line arrives
 * on stdin; prints "ready" first and "elapsed_ns=<n>" after the loop.  Usage: udp_flood PORT N SIZE */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s PORT N SIZE\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    long n = atol(argv[2]);
    size_t size = (size_t) atol(argv[3]);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to;
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((unsigned short) port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char *buf = malloc(size);
    for (size_t i = 0; i < size; i++) buf[i] = (char) ('a' + i % 26);
    memcpy(buf, "canary-udp-4242", size < 15 ? size : 15);
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof(line), stdin) == NULL) return 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < n; i++) {
        if (sendto(fd, buf, size, 0, (struct sockaddr *) &to, sizeof(to)) < 0) {
            perror("sendto");
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long ns = (long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    printf("elapsed_ns=%lld\n", ns);
    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL) return 0;
    close(fd);
    return 0;
}
