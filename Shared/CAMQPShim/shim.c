#include "CAMQPShim.h"
#include <amqp_framing.h>
#include <sys/eventfd.h>

int sluice_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

amqp_rpc_reply_t sluice_amqp_login(amqp_connection_state_t state,
                                   const char *vhost,
                                   int channel_max,
                                   int frame_max,
                                   int heartbeat,
                                   const char *user,
                                   const char *password,
                                   const char *connection_name) {
    amqp_table_entry_t capabilities[5];
    const char *names[5] = {
        "consumer_cancel_notify", "publisher_confirms", "basic.nack",
        "connection.blocked", "authentication_failure_close",
    };
    for (int i = 0; i < 5; i++) {
        capabilities[i].key = amqp_cstring_bytes(names[i]);
        capabilities[i].value.kind = AMQP_FIELD_KIND_BOOLEAN;
        capabilities[i].value.value.boolean = 1;
    }

    amqp_table_entry_t properties[3];
    properties[0].key = amqp_cstring_bytes("capabilities");
    properties[0].value.kind = AMQP_FIELD_KIND_TABLE;
    properties[0].value.value.table.num_entries = 5;
    properties[0].value.value.table.entries = capabilities;
    properties[1].key = amqp_cstring_bytes("product");
    properties[1].value.kind = AMQP_FIELD_KIND_UTF8;
    properties[1].value.value.bytes = amqp_cstring_bytes("sluice");
    properties[2].key = amqp_cstring_bytes("connection_name");
    properties[2].value.kind = AMQP_FIELD_KIND_UTF8;
    properties[2].value.value.bytes = amqp_cstring_bytes(connection_name);

    amqp_table_t table = {.num_entries = 3, .entries = properties};
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat,
                                      &table, AMQP_SASL_METHOD_PLAIN, user, password);
}
