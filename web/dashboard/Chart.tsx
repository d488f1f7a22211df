import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/** One line over time: x in unix seconds. */
export interface ChartProps {
  readonly label: string;
  readonly unit: string;
  readonly data: readonly [readonly number[], readonly number[]];
  readonly color?: string;
}

const HEIGHT = 160;

/** A uPlot line chart that follows its container's width (phones rotate) and takes new data without being rebuilt. */
export function Chart({ label, unit, data, color = '#4fb0ff' }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current!;
    const u = new uPlot(
      {
        width: el.clientWidth || 300,
        height: HEIGHT,
        legend: { show: false },
        scales: {
          // One point has no span: show the half minute around it rather than uPlot's years.
          x: { time: true, range: (_u, min, max) => (min === max ? [min - 30, max + 30] : [min, max]) },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          { stroke: '#9aa4b2', grid: { stroke: '#2a2f37' } },
          { stroke: '#9aa4b2', grid: { stroke: '#2a2f37' }, label: unit, size: 50 },
        ],
        series: [{}, { label, stroke: color, width: 2, fill: `${color}22`, points: { show: false } }],
      },
      [[], []],
      el,
    );
    plot.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth || 300, height: HEIGHT }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [label, unit, color]);

  useEffect(() => {
    plot.current?.setData([data[0].slice(), data[1].slice()]);
  }, [data]);

  return <div class="chart" ref={box} aria-label={`${label} chart`} />;
}
