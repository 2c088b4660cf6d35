/* Ward's version, as every program and protocol message states it
 * (notify hello, heartbeats, enrollment). */
#ifndef WARD_VERSION_H
#define WARD_VERSION_H

#define WARD_VERSION "0.1.0"

#endif
