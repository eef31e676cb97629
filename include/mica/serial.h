/* Serial console configuration (from console=comN,baud[,8n1]). */
#ifndef MICA_SERIAL_H
#define MICA_SERIAL_H

#include <mica/types.h>

struct serial_config {
	uint16_t base;       /* I/O port base */
	uint32_t baud;       /* 1200 .. 115200, a divisor of 115200 */
	uint8_t data_bits;   /* 5..8 */
	uint8_t parity_bits; /* LCR parity field: 0 none, 0x08 odd, 0x18 even */
	uint8_t stop_bits;   /* 1 or 2 */
};

int serial_init(const struct serial_config *cfg);

#endif
