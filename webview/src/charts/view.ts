/** What every figure renders from: the run's data and the budget the user selected. */
import type { BudgetResult } from '../../../src/run/report';
import type { PanelData } from '../../../src/run/runData';

export interface View {
  data: PanelData;
  /** The selected budget (undefined while no budget has been searched yet). */
  budget?: BudgetResult;
}

/** Kept head indices per layer at a budget, as sets. */
export function keptHeads(b: BudgetResult | undefined): Array<Set<number>> | undefined {
  return b?.perLayer.map((l) => new Set(l.heads));
}
