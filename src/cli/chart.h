/*
 * chart.h - drawing the history's series (app/history.h) for `ivsvc
 * history`: a sparkline per channel in the terminal, and a self-contained
 * SVG file (one line per channel, time axis in local time, legend).
 *
 * A bucket with no data is drawn as nothing (a blank in the sparkline, a
 * break in the SVG line), never as zero. Knows nothing of AWS.
 */
#ifndef IVS_CLI_CHART_H
#define IVS_CLI_CHART_H

#include <stdio.h>

#include "app/history.h"
#include "aws/buf.h"

struct chart_line {
	const char *name;                  /* the channel's name, or NULL */
	const char *arn;
	const struct history_series *s;
};

/* One character a bucket (UTF-8 blocks U+2581..U+2588 scaled from 0 to the
 * series' maximum; a gap is a space). */
void chart_sparkline(const struct history_series *s, struct buf *out);
/* The channel's block: its name, the sparkline, the window's first and last
 * minute under its ends, and min, max, average and the peak's time. */
void chart_print(FILE *out, const struct chart_line *l);
/* The chart as an SVG document; every series must share one window. */
void chart_svg(FILE *out, const struct chart_line *v, size_t n, const char *title);

#endif
