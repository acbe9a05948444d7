/**
 * @file
 * libsnowplow: a Snowplow analytics event tracker in C.
 * Include this one header; it brings in every public module.
 */
#ifndef SNOWPLOW_H
#define SNOWPLOW_H

#include "snowplow/common.h"
#include "snowplow/sdjson.h"
#include "snowplow/subject.h"
#include "snowplow/event.h"
#include "snowplow/result.h"
#include "snowplow/emitter.h"
#include "snowplow/tracker.h"

#endif /* SNOWPLOW_H */
