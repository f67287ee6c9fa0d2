# bench/plot.gp: draws the bench charts from the data bench_report writes.
#   docs/bench_latency.{png,svg}:    conc-1 p50 and p99 per system, with
#                                    client and server on one CPU and not
#   docs/bench_throughput.{png,svg}: calls/s at 8 and 64 client threads, and
#                                    MB/s of the 1 MiB echo, per system
# Called by bench/run.sh as
#   gnuplot -e "datadir='DIR'; outdir='DIR'; subtitle='TEXT'" bench/plot.gp
# with DIR/latency.dat and DIR/throughput.dat as bench_report writes them
# (quoted system name, then figures; "-" where a cell is missing).
if (!exists("datadir")) datadir = "bench/results"
if (!exists("outdir")) outdir = "docs"
if (!exists("subtitle")) subtitle = ""

latency = datadir."/latency.dat"
throughput = datadir."/throughput.dat"
png_terminal = strstrt(GPVAL_TERMINALS, "pngcairo") > 0 ? "pngcairo" : "png"

set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics nomirror scale 0
set ytics nomirror
set border 3
set key below horizontal
set xtics rotate by -20 noenhanced

# One cluster per system, at x = 0, 1, ...: trim autoscale's empty margins.
stats latency using 0 nooutput
systems = STATS_records
set xrange [-0.6:systems - 0.4]

do for [format in "png svg"] {
  if (format eq "png") {
    eval "set terminal ".png_terminal." size 1200,650 font 'sans,10'"
  } else {
    set terminal svg size 1200,650 dynamic font "sans,10" background "white"
  }

  set output outdir."/bench_latency.".format
  set title "framerpc bench: latency of one call at concurrency 1 (median of runs)\n".subtitle
  set ylabel "microseconds, log scale"
  set logscale y
  set yrange [1:*]
  plot latency using 2:xtic(1) title "p50, same CPU", \
       ''      using 3         title "p99, same CPU", \
       ''      using 4         title "p50", \
       ''      using 5         title "p99"
  unset logscale y
  set yrange [0:*]
  set output

  set output outdir."/bench_throughput.".format
  set multiplot layout 1,2 title "framerpc bench: throughput (median of runs)\n".subtitle
  set title "64-byte echo, closed loop"
  set ylabel "calls per second"
  plot throughput using 2:xtic(1) title "8 threads", \
       ''         using 3         title "64 threads"
  set title "1 MiB echo, 1 thread"
  set ylabel "MB/s (10^6 bytes of payload per second, one way)"
  plot throughput using 4:xtic(1) title "1 MiB" lc 3
  unset multiplot
  set output
}
