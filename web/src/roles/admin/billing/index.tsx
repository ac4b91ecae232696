// The billing desk of the admin role: its navigation entries and screens.
import type { RouteObject } from "react-router";
import type { NavItem } from "../../types";

export const billingNav: NavItem[] = [];
export const billingRoutes: RouteObject[] = [];
