// SPDX-License-Identifier: MIT
/* Polled console output on the 16550A UART, and a small printf. */
#include "guest.h"

#define UART_LSR 5
#define LSR_THRE 0x20

static void uart_tx(char c)
{
	while (!(uart_read(UART_LSR) & LSR_THRE))
		cpu_relax();
	uart_write(0, (uint8_t)c);
}

void putchar_(char c)
{
	if (c == '\n')
		uart_tx('\r');
	uart_tx(c);
}

void puts_(const char *s)
{
	while (*s)
		putchar_(*s++);
}

static void print_num(unsigned long long v, unsigned int base, int neg,
		      int width, char pad)
{
	char buf[24];
	int i = 0;

	do {
		buf[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		buf[i++] = '-';
	while (i < width)
		buf[i++] = pad;
	while (i)
		putchar_(buf[--i]);
}

void vprintf_(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			putchar_(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long long v = lng ? va_arg(ap, long long)
					  : va_arg(ap, int);
			print_num(v < 0 ? -(unsigned long long)v
					: (unsigned long long)v,
				  10, v < 0, width, pad);
			break;
		}
		case 'u':
			print_num(lng ? va_arg(ap, unsigned long long)
				      : va_arg(ap, unsigned int),
				  10, 0, width, pad);
			break;
		case 'x':
			print_num(lng ? va_arg(ap, unsigned long long)
				      : va_arg(ap, unsigned int),
				  16, 0, width, pad);
			break;
		case 'p':
			puts_("0x");
			print_num((uintptr_t)va_arg(ap, void *), 16, 0, 0, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			puts_(s ? s : "(null)");
			break;
		}
		case 'c':
			putchar_((char)va_arg(ap, int));
			break;
		case '%':
			putchar_('%');
			break;
		default:
			putchar_('?');
			break;
		}
	}
}

void printf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf_(fmt, ap);
	va_end(ap);
}
