/*
 * Framebuffer text console on the firmware's linear framebuffer (UEFI GOP or
 * Multiboot2 RGB framebuffer), 32 bits per pixel, 8x16 glyphs. Instead of
 * scrolling (slow on large framebuffers under emulation) output wraps to the
 * top and clears the line below the cursor.
 */
#include <mica/boot_info.h>
#include <mica/console.h>
#include <mica/fbcon.h>
#include <mica/string.h>

extern const uint8_t fb_font_8x16[256][16];

struct fbcon {
	struct console con;
	volatile uint8_t *base;
	uint32_t pitch, cols, rows, col, row;
	uint32_t fg, bg;
};

static struct fbcon fbc;

static uint32_t rgb(const struct boot_framebuffer *fb, uint8_t r, uint8_t g, uint8_t b)
{
	return ((uint32_t)r << fb->red_pos) | ((uint32_t)g << fb->green_pos) | ((uint32_t)b << fb->blue_pos);
}

static void draw_glyph(struct fbcon *f, uint32_t col, uint32_t row, unsigned char ch)
{
	for (uint32_t y = 0; y < 16; y++) {
		volatile uint32_t *px = (volatile uint32_t *)(f->base + (row * 16 + y) * f->pitch) + col * 8;
		uint8_t bits = fb_font_8x16[ch][y];
		for (uint32_t x = 0; x < 8; x++)
			px[x] = bits & (0x80 >> x) ? f->fg : f->bg;
	}
}

static void clear_row(struct fbcon *f, uint32_t row)
{
	for (uint32_t y = 0; y < 16; y++) {
		volatile uint32_t *px = (volatile uint32_t *)(f->base + (row * 16 + y) * f->pitch);
		for (uint32_t x = 0; x < f->cols * 8; x++)
			px[x] = f->bg;
	}
}

static void newline(struct fbcon *f)
{
	f->col = 0;
	f->row = (f->row + 1) % f->rows;
	clear_row(f, f->row);
}

static void fbcon_write(struct console *c, const char *s, size_t n)
{
	struct fbcon *f = (struct fbcon *)c;

	for (; n; n--, s++) {
		if (*s == '\n') {
			newline(f);
		} else if (*s == '\r') {
			f->col = 0;
		} else {
			draw_glyph(f, f->col, f->row, (unsigned char)*s);
			if (++f->col == f->cols)
				newline(f);
		}
	}
}

int fbcon_init(const struct boot_framebuffer *fb, void *mapped)
{
	if (!fb->base || fb->bpp != 32 || fb->width < 8 * 40 || fb->height < 16 * 10 || fb->pitch < fb->width * 4)
		return -1;
	fbc.base = mapped;
	fbc.pitch = fb->pitch;
	fbc.cols = fb->width / 8;
	fbc.rows = fb->height / 16;
	fbc.fg = rgb(fb, 0xc0, 0xc0, 0xc0);
	fbc.bg = rgb(fb, 0, 0, 0);
	for (uint32_t r = 0; r < fbc.rows; r++)
		clear_row(&fbc, r);
	fbc.con.name = "fb";
	fbc.con.write = fbcon_write;
	console_register(&fbc.con);
	return 0;
}
