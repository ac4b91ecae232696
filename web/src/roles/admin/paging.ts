// Token paging of the admin tables (AIP-158): the list RPCs answer a page and the token of
// the next one, so "previous" means going back to a token seen before. The stack of tokens
// lives here; a change of filters starts again at the first page.
import { useCallback, useState } from "react";

export const PAGE_SIZE = 20;

export interface PagerState {
  /** The tokens of the pages before the current one, then the current one's ("" first). */
  tokens: string[];
}

export const firstPage: PagerState = { tokens: [""] };

export function currentToken(state: PagerState): string {
  return state.tokens[state.tokens.length - 1] ?? "";
}

export function nextPage(state: PagerState, nextToken: string): PagerState {
  return nextToken ? { tokens: [...state.tokens, nextToken] } : state;
}

export function previousPage(state: PagerState): PagerState {
  return state.tokens.length > 1 ? { tokens: state.tokens.slice(0, -1) } : state;
}

/** 1 for the first page. */
export function pageNumber(state: PagerState): number {
  return state.tokens.length;
}

export interface Pager {
  page: { pageSize: number; pageToken: string };
  number: number;
  hasPrevious: boolean;
  next: (nextToken: string) => void;
  previous: () => void;
  reset: () => void;
}

export function usePager(pageSize = PAGE_SIZE): Pager {
  const [state, setState] = useState<PagerState>(firstPage);
  const next = useCallback((token: string) => setState((s) => nextPage(s, token)), []);
  const previous = useCallback(() => setState((s) => previousPage(s)), []);
  const reset = useCallback(() => setState(firstPage), []);
  return {
    page: { pageSize, pageToken: currentToken(state) },
    number: pageNumber(state),
    hasPrevious: state.tokens.length > 1,
    next,
    previous,
    reset,
  };
}
