/**
 * Bottleneck adapters as adapter-hub's {@code adapters} library defines them (its {@code BnConfig}, {@code Adapter},
 * {@code ParallelAdapter}, {@code BottleneckLayer}): Houlsby (Houlsby et al. 2019, "Parameter-Efficient Transfer
 * Learning for NLP"), Pfeiffer (Pfeiffer et al. 2020, "AdapterFusion"), the parallel adapter (He et al. 2021, "Towards
 * a Unified View of Parameter-Efficient Transfer Learning"), and adapter-hub's {@code Stack} when several adapters of
 * one model are active in a layer. Parity with adapter-hub 1.2.0: tests/.../parity/AdapterHubParityTest.
 */
package cortado.peft.bottleneck;
