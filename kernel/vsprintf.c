/* vsnprintf_k: the subset of printf formatting the hypervisor uses. */
#include <mica/printk.h>
#include <mica/string.h>

struct fmt_out {
	char *buf;
	size_t size;
	size_t pos;
};

static void put(struct fmt_out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_padded(struct fmt_out *o, const char *s, size_t len, int width, bool left, char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;

	if (!left && pad == '0' && len && (*s == '-')) {
		put(o, *s++);
		len--;
	}
	if (!left)
		while (fill--)
			put(o, pad);
	while (len--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static size_t format_unsigned(char *tmp, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char rev[24];
	size_t n = 0, i;

	do {
		rev[n++] = digits[v % base];
		v /= base;
	} while (v);
	for (i = 0; i < n; i++)
		tmp[i] = rev[n - 1 - i];
	return n;
}

static uint64_t fetch_unsigned(va_list *ap, int lng)
{
	switch (lng) {
	case 2:
		return va_arg(*ap, unsigned long long);
	case 1:
		return va_arg(*ap, unsigned long);
	case 3:
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t fetch_signed(va_list *ap, int lng)
{
	switch (lng) {
	case 2:
		return va_arg(*ap, long long);
	case 1:
		return va_arg(*ap, long);
	case 3:
		return (int64_t)va_arg(*ap, size_t);
	default:
		return va_arg(*ap, int);
	}
}

int vsnprintf_k(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct fmt_out o = {buf, size, 0};
	va_list ap;

	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		char tmp[32];
		bool left = false;
		char pad = ' ';
		int width = 0, prec = -1, lng = 0;
		size_t n;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				pad = '0';
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			fmt++;
			prec = 0;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		for (; *fmt == 'l' || *fmt == 'h' || *fmt == 'z'; fmt++)
			lng = *fmt == 'z' ? 3 : *fmt == 'l' ? lng + 1 : lng;

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = fetch_signed(&ap, lng);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
			n = 0;
			if (v < 0)
				tmp[n++] = '-';
			n += format_unsigned(tmp + n, mag, 10, false);
			put_padded(&o, tmp, n, width, left, pad);
			break;
		}
		case 'u':
			n = format_unsigned(tmp, fetch_unsigned(&ap, lng), 10, false);
			put_padded(&o, tmp, n, width, left, pad);
			break;
		case 'x':
		case 'X':
			n = format_unsigned(tmp, fetch_unsigned(&ap, lng), 16, *fmt == 'X');
			put_padded(&o, tmp, n, width, left, pad);
			break;
		case 'p':
			tmp[0] = '0';
			tmp[1] = 'x';
			n = 2 + format_unsigned(tmp + 2, (uintptr_t)va_arg(ap, void *), 16, false);
			put_padded(&o, tmp, n, width, left, pad);
			break;
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			n = prec >= 0 ? strnlen(s, prec) : strlen(s);
			put_padded(&o, s, n, width, left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	va_end(ap);
	if (size)
		o.buf[o.pos < size ? o.pos : size - 1] = '\0';
	return (int)o.pos;
}

int snprintf_k(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf_k(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
