/**
 * @module Communication time of the collectives tensor and pipeline parallelism need, by the
 * standard ring model over the GPU interconnect: the bandwidth term moves (n − 1)/n of the buffer
 * through every GPU's link per phase; the latency is either one per-hop latency for each of the
 * ring's steps or, when calibrated, one measured latency per call (NCCL on NVSwitch does not get
 * slower with the GPU count the way a ring's hop count grows; see docs/CALIBRATION.md).
 */

import type { HardwareSpec } from './hardware-spec.js';

/** Link settings the collective models need. */
export interface LinkModel {
  /** Usable one-direction bandwidth per GPU (peak × fitted efficiency). */
  readonly bandwidthBytesPerS: number;
  /** Latency of one hop (point-to-point sends, and ring steps when `callLatencyS` is absent). */
  readonly latencyS: number;
  /** Fitted latency of one all-reduce or all-gather call, whatever the GPU count. */
  readonly callLatencyS?: number;
}

/** The link of a GPU with a bandwidth efficiency applied (and a fitted call latency, if any). */
export function linkModelOf(
  hardware: HardwareSpec,
  bandwidthEfficiency: number,
  callLatencyS?: number,
): LinkModel {
  const link = {
    bandwidthBytesPerS: hardware.interconnect.bandwidthBytesPerSPerDirection * bandwidthEfficiency,
    latencyS: hardware.interconnect.latencyS,
  };
  return callLatencyS === undefined ? link : { ...link, callLatencyS };
}

/**
 * Ring all-reduce of `bytes` over `gpus` GPUs: a reduce-scatter and an all-gather, each moving
 * (n − 1)/n of the buffer through every GPU's link in n − 1 hops.
 */
export function ringAllReduceSeconds(bytes: number, gpus: number, link: LinkModel): number {
  if (gpus <= 1 || bytes <= 0) return 0;
  const steps = 2 * (gpus - 1);
  const latency = link.callLatencyS ?? steps * link.latencyS;
  return (steps / gpus) * (bytes / link.bandwidthBytesPerS) + latency;
}

/** Ring all-gather where every GPU ends with the whole `bytes` buffer. */
export function ringAllGatherSeconds(bytes: number, gpus: number, link: LinkModel): number {
  if (gpus <= 1 || bytes <= 0) return 0;
  const steps = gpus - 1;
  const latency = link.callLatencyS ?? steps * link.latencyS;
  return (steps / gpus) * (bytes / link.bandwidthBytesPerS) + latency;
}

/** Point-to-point send of `bytes` between neighbouring pipeline stages. */
export function sendReceiveSeconds(bytes: number, link: LinkModel): number {
  if (bytes <= 0) return 0;
  return bytes / link.bandwidthBytesPerS + link.latencyS;
}
