import { Suspense } from 'react';
import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useSession } from '../auth/session';
import { Loading } from '../components/states';
import { PAGES } from '../pages/registry';
import { navigate, usePath } from '../router';

const SECTIONS = ['Settings', 'Routing', 'Assist', 'Operations', 'Reports'] as const;

/** The signed-in layout: header (tenant, sign out), navigation from the page registry, the current page. */
export function Shell() {
  const { credential, signOut } = useSession();
  const path = usePath();
  const [opened, { toggle }] = useDisclosure();
  const page = PAGES.find((p) => path === p.path || path.startsWith(`${p.path}/`)) ?? PAGES[0];
  const Page = page.component;
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Text fw={700}>Engagement Hub</Text>
          </Group>
          <Group>
            {credential?.tenantId && <Badge variant="light">tenant {credential.tenantId}</Badge>}
            <Button variant="subtle" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Console pages">
        <ScrollArea>
          {SECTIONS.filter((s) => PAGES.some((p) => p.section === s)).map((s) => (
            <div key={s}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="sm" pb={4} component="h2">
                {s}
              </Text>
              {PAGES.filter((p) => p.section === s).map((p) => (
                <NavLink
                  key={p.path}
                  href={p.path}
                  label={p.label}
                  active={p === page}
                  aria-current={p === page ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(p.path);
                  }}
                />
              ))}
            </div>
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Title order={1} size="h2" mb="md">
          {page.label}
        </Title>
        <Suspense fallback={<Loading label={`Loading ${page.label}…`} />}>
          <Page />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
