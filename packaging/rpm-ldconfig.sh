#!/bin/sh
# Refresh the dynamic linker cache after libsnowplow.so.0 is installed or removed.
/sbin/ldconfig
