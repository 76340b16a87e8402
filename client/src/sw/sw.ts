/**
 * The service worker, built to /sw.js at the site root so its scope is the whole page. It keeps
 * the app shell for offline use (app-shell.ts).
 */
import { installAppShell, type ShellScope } from './app-shell.js';

installAppShell(self as unknown as ShellScope);
