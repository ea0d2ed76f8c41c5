#ifndef SLUICE_CAMQP_SHIM_H
#define SLUICE_CAMQP_SHIM_H

#include <sys/time.h>
#include <amqp.h>

/// Logs in with PLAIN credentials and client properties that advertise the
/// capabilities rabbitmq-c 0.11 leaves out (consumer_cancel_notify above all, so
/// the broker tells a consumer when its queue goes away), plus a connection name
/// that shows up in the management UI. Wraps the variadic
/// amqp_login_with_properties, which Swift cannot call.
amqp_rpc_reply_t sluice_amqp_login(amqp_connection_state_t state,
                                   const char *vhost,
                                   int channel_max,
                                   int frame_max,
                                   int heartbeat,
                                   const char *user,
                                   const char *password,
                                   const char *connection_name);

/// A non-blocking, close-on-exec eventfd: a connection thread polls it next to the
/// broker's socket so that commands from other threads wake it at once. Swift's
/// Glibc module does not export <sys/eventfd.h>.
int sluice_eventfd(void);

#endif
