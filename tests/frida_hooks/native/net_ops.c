/* Test target for the native socket hooks.  Usage: net_ops TCP_PORT UDP6_PORT
 * Prints "ready", waits for a line, then: getaddrinfo("localhost"); TCP connect to 127.0.0.1:TCP_PORT
 * and write() / send() / sendmsg() one message each; sendto() one datagram to [::1]:UDP6_PORT;
 * write() to a pipe (must not be reported); prints "done" and waits for a line. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TCP_PORT UDP6_PORT\n", argv[0]);
        return 2;
    }
    printf("ready\n");
    fflush(stdout);
    char line[64];
    if (fgets(line, sizeof(line), stdin) == NULL) return 1;

    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo("localhost", NULL, &hints, &res) == 0) freeaddrinfo(res);

    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short) atoi(argv[1]));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(t, (struct sockaddr *) &a, sizeof(a)) != 0) { perror("connect"); return 1; }
    const char *w = "write-canary-1;";
    if (write(t, w, strlen(w)) < 0) return 1;
    const char *s = "send-canary-2;";
    if (send(t, s, strlen(s), 0) < 0) return 1;
    struct iovec iov[2] = {{(void *) "sendmsg-", 8}, {(void *) "canary-3;", 9}};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = iov;
    msg.msg_iovlen = 2;
    if (sendmsg(t, &msg, 0) < 0) return 1;
    close(t);

    int u = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 b;
    memset(&b, 0, sizeof(b));
    b.sin6_family = AF_INET6;
    b.sin6_port = htons((unsigned short) atoi(argv[2]));
    b.sin6_addr = in6addr_loopback;
    const char *d = "udp6-canary-4";
    if (sendto(u, d, strlen(d), 0, (struct sockaddr *) &b, sizeof(b)) < 0) { perror("sendto"); return 1; }
    close(u);

    int p[2];
    if (pipe(p) == 0) {
        if (write(p[1], "pipe-not-a-socket", 17) < 0) return 1;
        close(p[0]);
        close(p[1]);
    }
    printf("done\n");
    fflush(stdout);
    if (fgets(line, sizeof(line), stdin) == NULL) return 0;
    return 0;
}
