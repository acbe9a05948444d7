/* Internal: event kinds, their fields, and the event representation. */
#ifndef SP_EVENT_INTERNAL_H
#define SP_EVENT_INTERNAL_H

#include <stdint.h>

#include "event/payload.h"
#include "snowplow/event.h"
#include "util/strbuf.h"

/* How a field's value is held and checked. */
typedef enum sp_field_kind {
    SP_FIELD_STRING,   /* text */
    SP_FIELD_NUMBER,   /* integer or double, printed as given */
    SP_FIELD_INTEGER,  /* whole numbers only */
    SP_FIELD_LIST,     /* array of strings */
    SP_FIELD_FILTERS,  /* JSON object of string or boolean values */
    SP_FIELD_ELEMENTS  /* JSON array of submit_form element objects */
} sp_field_kind;

enum {
    SP_REQUIRED = 1 << 0,   /* must be set to track */
    SP_NONEMPTY = 1 << 1,   /* "" is refused (schema minLength 1, or envelope key) */
    SP_UUID = 1 << 2,       /* must be a UUID */
    SP_NODE_NAME = 1 << 3,  /* INPUT, TEXTAREA or SELECT */
    SP_INPUT_TYPE = 1 << 4, /* an HTML input type */
    SP_NULLABLE = 1 << 5,   /* sent as JSON null when unset */
    SP_NONNEG32 = 1 << 6    /* integer in 0..2147483647 */
};

typedef struct sp_field_def {
    const char *name; /* API name, snake_case */
    const char *key;  /* wire key (envelope kinds) or JSON property (schema kinds) */
    sp_field_kind kind;
    unsigned flags;
} sp_field_def;

#define SP_EVENT_MAX_FIELDS 10

typedef struct sp_event_kind {
    snowplow_event_type type;
    const char *name;   /* for messages: "structured", "link_click", ... */
    const char *e;      /* the protocol's event type: pv pp se ue tr */
    const char *schema; /* Iglu URI of the data for built-in self-describing kinds */
    unsigned min_set;   /* at least this many fields set (screen_view: 1) */
    size_t n_fields;
    sp_field_def fields[SP_EVENT_MAX_FIELDS];
} sp_event_kind;

/* The kind of `type`, NULL when unknown. */
const sp_event_kind *sp_event_kind_of(snowplow_event_type type);

typedef struct sp_field_value {
    int set;
    int is_int;      /* NUMBER/INTEGER: i holds the value, else d */
    int64_t i;
    double d;
    char *text;      /* STRING, FILTERS, ELEMENTS (compact JSON) */
    char **list;     /* LIST */
    size_t list_len;
} sp_field_value;

typedef struct sp_item {
    char *sku, *name, *category;
    double price;
    int64_t quantity;
    snowplow_sdjson **contexts; /* the item's own, sent after the transaction's */
    size_t n_contexts;
} sp_item;

struct snowplow_event {
    const sp_event_kind *kind;
    sp_field_value values[SP_EVENT_MAX_FIELDS];
    snowplow_sdjson *data; /* SELF_DESCRIBING */
    snowplow_sdjson **contexts;
    size_t n_contexts;
    sp_item *items;
    size_t n_items;
    snowplow_subject *subject;
    int items_skip_event_contexts; /* snowplow_event_set_items_share_contexts(ev, 0) */
    char *page[3]; /* url, page, refr of snowplow_event_set_page() (kinds without their own) */
    int has_true_timestamp, has_device_timestamp;
    int64_t true_timestamp, device_timestamp;
};

/* The setters behind the public ones, with the public function name `fn` that
 * their error messages start with. */
int sp_event_set_string(snowplow_event *ev, const char *fn, const char *field,
                        const char *value);
int sp_event_set_number(snowplow_event *ev, const char *fn, const char *field, int is_int,
                        int64_t i_value, double d_value);
/* snowplow_event_set_device_timestamp() with messages that start with `fn`. */
int sp_event_set_device_timestamp(snowplow_event *ev, const char *fn, int64_t ms);
/*
 * Set string field `index` of the event's kind to `value` with
 * sp_event_set_string()'s checks, but without a copy: the event borrows the
 * text. Only for an event on the caller's stack that lives shorter than the
 * text and is never given to snowplow_event_free() (snowplow_tracker_track_structured).
 */
int sp_event_borrow_string(snowplow_event *ev, const char *fn, size_t index, const char *value);
int sp_event_add_string(snowplow_event *ev, const char *fn, const char *field,
                        const char *value);

/* snowplow_event_validate() with messages that start with `fn`. */
int sp_event_check(const snowplow_event *ev, const char *fn);

/*
 * Add the event's own fields to `p` (`e` and its type's fields, `ue_px`/`ue_pr`),
 * but not contexts, ids, timestamps or subject fields, which the tracker adds.
 * The event must have passed snowplow_event_validate(). Returns 0 or
 * SNOWPLOW_ENOMEM.
 */
int sp_event_encode(const snowplow_event *ev, sp_payload *p, int base64);

/* Add item `index`'s own fields (e=ti and ti_*) of a transaction to `p`. */
int sp_event_encode_item(const snowplow_event *ev, size_t index, sp_payload *p);

/* Add the page fields of snowplow_event_set_page() that an event kind without
 * page fields of its own carries (url, page, refr). Return 0 or SNOWPLOW_ENOMEM. */
int sp_event_encode_page(const snowplow_event *ev, sp_payload *p);

/* No item: the contexts of the event itself. */
#define SP_EVENT_NO_ITEM ((size_t)-1)

/* Append the contexts envelope of the event (item SP_EVENT_NO_ITEM) or of its
 * item `item` (the transaction's contexts, then the item's own), or nothing
 * when there are none. */
int sp_event_encode_contexts(const snowplow_event *ev, size_t item, sp_payload *p, int base64);

#endif
