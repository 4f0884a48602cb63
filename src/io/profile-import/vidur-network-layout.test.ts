/**
 * @module Tests of the Vidur collective converter: single-node all-reduce curves by GPU count,
 * the intra-node send/recv pair, rank 0 only, milliseconds to microseconds.
 */

import { describe, expect, it } from 'vitest';
import { thrown } from '../../../test/support/thrown.js';
import { CsvTable } from './csv-table.js';
import { convertVidurNetwork } from './vidur-network-layout.js';

function collectiveCsv(collective: string, rows: readonly (readonly number[])[]): CsvTable {
  const header = `,time_stats.${collective}.min,time_stats.${collective}.median,rank,num_workers,size,collective,devices_per_node,max_devices_per_node`;
  const lines = rows.map(
    ([median, rank, workers, size, perNode], index) =>
      `${index},0.001,${median},${rank},${workers},${size},${collective},${perNode},8`,
  );
  return new CsvTable([header, ...lines].join('\n'), `${collective}.csv`);
}

const SOURCE = { dataset: 'fixture', path: 'inline', licence: 'MIT', note: '' };

describe('convertVidurNetwork', () => {
  const allReduce = collectiveCsv('all_reduce', [
    [0.037, 0, 8, 2048, 8],
    [0.023, 0, 8, 10240, 8],
    [0.5, 1, 8, 2048, 8],
    [0.019, 0, 2, 2048, 2],
    [0.9, 0, 2, 2048, 1],
    [0.8, 0, 16, 2048, 8],
  ]);
  const sendRecv = collectiveCsv('send_recv', [
    [0.011, 0, 2, 2048, 2],
    [0.05, 0, 2, 2048, 1],
  ]);
  const profile = convertVidurNetwork(
    { allReduce, sendRecv },
    { hardware: 'H100', topology: 'dgx-nvswitch', source: SOURCE },
  );

  it('keeps single-node rank-0 all-reduce rows, one curve per GPU count', () => {
    expect(profile.allReduce).toEqual([
      { gpus: 2, points: [2048], timesUs: [19] },
      { gpus: 8, points: [2048, 10240], timesUs: [37, 23] },
    ]);
  });

  it('keeps the intra-node send/recv pair', () => {
    expect(profile.sendRecv).toEqual([{ gpus: 2, points: [2048], timesUs: [11] }]);
    expect(profile).toMatchObject({ hardware: 'H100', topology: 'dgx-nvswitch' });
  });

  it('refuses files with no single-node rows', () => {
    const error = thrown(() =>
      convertVidurNetwork(
        { sendRecv: collectiveCsv('send_recv', [[0.05, 0, 2, 2048, 1]]) },
        { hardware: 'H100', topology: 'x', source: SOURCE },
      ),
    );
    expect(error.message).toBe('send_recv.csv: no single-node collective rows found');
  });
});
