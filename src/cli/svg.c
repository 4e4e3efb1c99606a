/*
 * svg.c - `ivsvc history --svg FILE` (see chart.h): a self-contained SVG
 * (no scripts, fonts or links) with one <path> per channel, broken where a
 * bucket has no data, axes labelled in local time and viewers, a legend.
 */
#include "chart.h"

#include <time.h>

#define SVG_W 1000
#define SVG_PLOT_X 70   /* left margin: the viewer labels */
#define SVG_PLOT_Y 40
#define SVG_PLOT_W 880
#define SVG_PLOT_H 360
#define SVG_TICKS 6

static const char *const palette[] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
				       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };
#define N_PALETTE (sizeof(palette) / sizeof(palette[0]))

/* Text for XML: the five entities escaped, control characters dropped. */
static void put_xml(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, out);
		}
	}
}

static void axis_time(long long ms, int with_date, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, n, with_date ? "%Y-%m-%d %H:%M" : "%H:%M", &tm);
}

static double x_of(const struct history_series *s, size_t i)
{
	return SVG_PLOT_X + (s->width > 1 ? (double)i * SVG_PLOT_W / (double)(s->width - 1) : 0);
}

/* The axes: viewers 0..top on the left, local time below. */
static void svg_axes(FILE *out, const struct history_series *s, long long top)
{
	fprintf(out, "<g class=\"axes\" stroke=\"#444\" font-size=\"12\">\n"
		     "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n"
		     "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
		SVG_PLOT_X, SVG_PLOT_Y, SVG_PLOT_X, SVG_PLOT_Y + SVG_PLOT_H, SVG_PLOT_X,
		SVG_PLOT_Y + SVG_PLOT_H, SVG_PLOT_X + SVG_PLOT_W, SVG_PLOT_Y + SVG_PLOT_H);
	for (int k = 0; k <= 4; k++) {
		double y = SVG_PLOT_Y + SVG_PLOT_H - k * SVG_PLOT_H / 4.0;
		fprintf(out, "<text class=\"y-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
			     "stroke=\"none\">%lld</text>\n",
			SVG_PLOT_X - 6, y + 4, top * k / 4);
	}
	for (int k = 0; k < SVG_TICKS; k++) {
		size_t i = s->width > 1 ? (size_t)k * (s->width - 1) / (SVG_TICKS - 1) : 0;
		char label[32];
		axis_time(history_series_time(s, i), k == 0 || k == SVG_TICKS - 1, label,
			  sizeof(label));
		double x = x_of(s, i);
		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n"
			     "<text class=\"x-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" "
			     "stroke=\"none\">%s</text>\n",
			x, SVG_PLOT_Y + SVG_PLOT_H, x, SVG_PLOT_Y + SVG_PLOT_H + 5, x,
			SVG_PLOT_Y + SVG_PLOT_H + 20, label);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" stroke=\"none\">"
		     "time (local)</text>\n</g>\n",
		SVG_PLOT_X + SVG_PLOT_W / 2, SVG_PLOT_Y + SVG_PLOT_H + 40);
}

/* One channel's line: a new subpath (M) after every gap. */
static void svg_path(FILE *out, const struct chart_line *l, const char *color, long long top)
{
	const struct history_series *s = l->s;
	fprintf(out, "<path class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
		     "data-channel=\"", color);
	put_xml(out, l->arn);
	fputs("\" d=\"", out);
	int pen = 0;
	for (size_t i = 0; i < s->width; i++) {
		double v = history_series_value(s, i);
		if (v < 0) {
			pen = 0;
			continue;
		}
		double y = SVG_PLOT_Y + SVG_PLOT_H - v * SVG_PLOT_H / (double)top;
		fprintf(out, "%s%.1f %.1f ", pen ? "L" : "M", x_of(s, i), y);
		pen = 1;
	}
	fputs("\"/>\n", out);
}

void chart_svg(FILE *out, const struct chart_line *v, size_t n, const char *title)
{
	long long top = 1;
	for (size_t i = 0; i < n; i++)
		if (v[i].s->max > top)
			top = v[i].s->max;
	int height = SVG_PLOT_Y + SVG_PLOT_H + 60 + (int)n * 18;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		     "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		     "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		     "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		     "<title>", SVG_W, height, SVG_W, height);
	put_xml(out, title);
	fprintf(out, "</title>\n<text x=\"%d\" y=\"24\" font-size=\"16\">", SVG_PLOT_X);
	put_xml(out, title);
	fputs("</text>\n", out);
	if (n)
		svg_axes(out, v[0].s, top);
	for (size_t i = 0; i < n; i++)
		svg_path(out, &v[i], palette[i % N_PALETTE], top);
	fputs("<g class=\"legend\" font-size=\"12\">\n", out);
	for (size_t i = 0; i < n; i++) {
		int y = SVG_PLOT_Y + SVG_PLOT_H + 60 + (int)i * 18;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>"
			     "<text x=\"%d\" y=\"%d\">", SVG_PLOT_X, y - 4, palette[i % N_PALETTE],
			SVG_PLOT_X + 20, y);
		put_xml(out, v[i].name && *v[i].name ? v[i].name : v[i].arn);
		fprintf(out, " (max %lld)</text>\n", v[i].s->max);
	}
	fputs("</g>\n</svg>\n", out);
}
