// rabbitmq-c 0.11 keeps its headers flat in /usr/include (the rabbitmq-c/ prefix
// arrived in 0.12), and amqp.h only forward-declares struct timeval.
#include <sys/time.h>
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
