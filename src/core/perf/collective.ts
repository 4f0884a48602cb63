/**
 * @module Communication time of the collectives tensor and pipeline parallelism need, by the
 * standard ring model over the GPU interconnect.
 */

import type { HardwareSpec } from './hardware-spec.js';

/** Link settings the collective models need. */
export interface LinkModel {
  /** Usable one-direction bandwidth per GPU (peak × fitted efficiency). */
  readonly bandwidthBytesPerS: number;
  /** Latency of one hop. */
  readonly latencyS: number;
}

/** The link of a GPU with a bandwidth efficiency applied. */
export function linkModelOf(hardware: HardwareSpec, bandwidthEfficiency: number): LinkModel {
  return {
    bandwidthBytesPerS: hardware.interconnect.bandwidthBytesPerSPerDirection * bandwidthEfficiency,
    latencyS: hardware.interconnect.latencyS,
  };
}

/**
 * Ring all-reduce of `bytes` over `gpus` GPUs: a reduce-scatter and an all-gather, each moving
 * (n − 1)/n of the buffer through every GPU's link in n − 1 hops.
 */
export function ringAllReduceSeconds(bytes: number, gpus: number, link: LinkModel): number {
  if (gpus <= 1 || bytes <= 0) return 0;
  const steps = 2 * (gpus - 1);
  return (steps / gpus) * (bytes / link.bandwidthBytesPerS) + steps * link.latencyS;
}

/** Ring all-gather where every GPU ends with the whole `bytes` buffer. */
export function ringAllGatherSeconds(bytes: number, gpus: number, link: LinkModel): number {
  if (gpus <= 1 || bytes <= 0) return 0;
  const steps = gpus - 1;
  return (steps / gpus) * (bytes / link.bandwidthBytesPerS) + steps * link.latencyS;
}

/** Point-to-point send of `bytes` between neighbouring pipeline stages. */
export function sendReceiveSeconds(bytes: number, link: LinkModel): number {
  if (bytes <= 0) return 0;
  return bytes / link.bandwidthBytesPerS + link.latencyS;
}
