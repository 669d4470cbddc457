import { MantineProvider, createTheme } from '@mantine/core';
import { SessionProvider, useSession } from './auth/session';
import { SignIn } from './auth/SignIn';
import { Shell } from './layout/Shell';

// darker primary shade: WCAG AA contrast for white text on filled buttons (axe color-contrast)
const theme = createTheme({ primaryColor: 'indigo', primaryShade: 8 });

function Gate() {
  const { credential } = useSession();
  return credential ? <Shell /> : <SignIn />;
}

/** The console: Mantine theme, session, sign-in or the signed-in shell. */
export function App() {
  return (
    <MantineProvider theme={theme}>
      <SessionProvider>
        <Gate />
      </SessionProvider>
    </MantineProvider>
  );
}
