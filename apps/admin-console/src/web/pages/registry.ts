import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

/** One console page: its own folder under `pages/`, loaded on first visit. */
export interface PageDefinition {
  /** URL path, e.g. `/integrations`. */
  path: string;
  /** Navigation label (also the page's `<h1>`). */
  label: string;
  /** Navigation section. */
  section: 'Settings' | 'Routing' | 'Assist' | 'Operations' | 'Reports';
  /** The page component (default export of `pages/<folder>/index.tsx`). */
  component: LazyExoticComponent<ComponentType>;
}

/**
 * Every page of the console, in navigation order. Adding a page = a folder `pages/<name>/index.tsx` with a
 * default-exported component + one entry here (docs/console.md "Adding a page").
 */
export const PAGES: PageDefinition[] = [
  {
    path: '/integrations',
    label: 'Integrations',
    section: 'Settings',
    component: lazy(() => import('./integrations')),
  },
  {
    path: '/routing',
    label: 'Queues, agents, teams',
    section: 'Routing',
    component: lazy(() => import('./routing')),
  },
  {
    path: '/escalation',
    label: 'Escalation policy',
    section: 'Settings',
    component: lazy(() => import('./escalation')),
  },
  {
    path: '/knowledge-bases',
    label: 'Knowledge bases',
    section: 'Assist',
    component: lazy(() => import('./knowledge-bases')),
  },
  {
    path: '/queue-mapping',
    label: 'Queue mapping',
    section: 'Assist',
    component: lazy(() => import('./queue-mapping')),
  },
  {
    path: '/operations/health',
    label: 'Service health',
    section: 'Operations',
    component: lazy(() => import('./service-health')),
  },
  {
    path: '/operations/events',
    label: 'Event inspector',
    section: 'Operations',
    component: lazy(() => import('./event-inspector')),
  },
  {
    path: '/reports/handoffs',
    label: 'Handoff report',
    section: 'Reports',
    component: lazy(() => import('./handoff-report')),
  },
];
