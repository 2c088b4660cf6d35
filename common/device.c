#include "common/device.h"

const char *device_bus_name(enum device_bus bus)
{
	switch (bus) {
	case DEVICE_BUS_USB:
		return "usb";
	case DEVICE_BUS_MMC:
		return "mmc";
	case DEVICE_BUS_INTERNAL:
		return "internal";
	case DEVICE_BUS_OTHER:
		break;
	}
	return "other";
}
