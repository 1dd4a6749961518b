/** What LoHa and LoKr share, PEFT's {@code lycoris_utils}: the delta-weight layer and the common config fields. */
package cortado.peft.lycoris;
