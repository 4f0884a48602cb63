/**
 * @module The `vidur-network` layout: Vidur's NCCL collective timings of one node type
 * (`<node>/all_reduce.csv`, `<node>/send_recv.csv`), columns
 * `time_stats.<collective>.{min,max,mean,median,std}` (ms), `rank`, `num_workers`, `size` (bytes),
 * `devices_per_node`.
 */

import type {
  CollectiveProfile,
  ProfileSource,
  TimingCurve,
} from '../../core/perf/operator-profile.js';
import { PROFILE_FORMAT } from '../../core/perf/operator-profile.js';
import { InvalidCatalogFileError } from '../../errors.js';
import type { CsvTable } from './csv-table.js';
import { buildCurve, type CurveSample } from './curves.js';
import { MAX_CURVE_POINTS } from './grid-thinning.js';

const MICROSECONDS_PER_MILLISECOND = 1e3;

export const VIDUR_NETWORK_NOTE =
  'NCCL collectives timed by Vidur on rank 0 (the files hold only rank-0 rows), median column. ' +
  'all_reduce: the single-node rows (devices_per_node = num_workers), one curve per GPU count; ' +
  'send_recv: the intra-node pair (devices_per_node 2). Sizes (2 KiB upwards in 8 KiB steps) ' +
  `thinned to at most ${MAX_CURVE_POINTS} geometrically spaced points.`;

type CollectiveCurve = TimingCurve & { readonly gpus: number };

/** One collective's curves by GPU count, from the rows `keep` accepts (rank 0 only). */
function curvesOf(
  table: CsvTable,
  collective: 'all_reduce' | 'send_recv',
  keep: (workers: number, devicesPerNode: number) => boolean,
): CollectiveCurve[] {
  const timeColumn = `time_stats.${collective}.median`;
  table.requireColumns([timeColumn, 'rank', 'num_workers', 'size', 'devices_per_node']);
  const byWorkers = new Map<number, CurveSample[]>();
  for (let row = 0; row < table.rowCount; row++) {
    if (table.number(row, 'rank') !== 0) continue;
    const workers = table.number(row, 'num_workers');
    if (!keep(workers, table.number(row, 'devices_per_node'))) continue;
    const samples = byWorkers.get(workers) ?? [];
    samples.push([
      table.number(row, 'size'),
      table.number(row, timeColumn) * MICROSECONDS_PER_MILLISECOND,
    ]);
    byWorkers.set(workers, samples);
  }
  return [...byWorkers.keys()]
    .sort((a, b) => a - b)
    .map((gpus) => ({ gpus, ...buildCurve(byWorkers.get(gpus) ?? [], { denseUpTo: 0 }) }));
}

export interface VidurNetworkTables {
  readonly allReduce?: CsvTable | undefined;
  readonly sendRecv?: CsvTable | undefined;
}

/** Converts a node type's all_reduce.csv and send_recv.csv (either may be missing). */
export function convertVidurNetwork(
  tables: VidurNetworkTables,
  header: { readonly hardware: string; readonly topology: string; readonly source: ProfileSource },
): CollectiveProfile {
  const allReduce = tables.allReduce
    ? curvesOf(tables.allReduce, 'all_reduce', (workers, perNode) => workers === perNode)
    : [];
  const sendRecv = tables.sendRecv
    ? curvesOf(tables.sendRecv, 'send_recv', (workers, perNode) => workers === 2 && perNode === 2)
    : [];
  if (allReduce.length === 0 && sendRecv.length === 0) {
    const origin = tables.allReduce?.origin ?? tables.sendRecv?.origin ?? header.topology;
    throw new InvalidCatalogFileError(origin, 'no single-node collective rows found');
  }
  return { format: PROFILE_FORMAT, ...header, allReduce, sendRecv };
}
