"""The defaults the loader fills into a step's normal form (``model.py``), taken from Maestro so a
flow waits as long under the harness as under Maestro.  All in seconds.

    LOOKUP_TIMEOUT        17   assertVisible, assertNotVisible, extendedWaitUntil without ``timeout``;
                               also how long a tapOn/longPressOn/doubleTapOn should wait for its
                               element (Maestro's element lookup; the tap's normal form carries no
                               timeout, the runner applies its own)
    OPTIONAL_LOOKUP_TIMEOUT 7  the same for an ``optional: true`` tap (Maestro waits less for those)
    ANIMATION_TIMEOUT     15   waitForAnimationToEnd without ``timeout``
    SCROLL_TIMEOUT        20   scrollUntilVisible without ``timeout``
    SWIPE_DURATION        0.4  swipe without ``duration``
    ERASE_COUNT           50   eraseText without a count (characters)
    MAX_RETRIES           3    retry's ``maxRetries`` (default 1) may not exceed this (Maestro's cap)
    IDLE_SECONDS          10   ``idle`` without a number and the built-in pre_consent variant's idle,
                               unless the scenario's top-level ``idle:`` says otherwise

``launchApp`` stops the app before launching it (``stopApp: true``) and keeps its data
(``clearState: false``), as Maestro does.  ``repeat`` needs ``times`` or ``while`` (Maestro would
loop for ever on neither).  A ``tapOn`` with ``repeat: N`` becomes ``repeat {times: N, commands:
[tapOn]}``; ``delay`` between taps and the other settling hints (``retryTapIfNoChange``,
``waitUntilVisible``, ``waitToSettleTimeoutMs``, scrollUntilVisible's ``speed``,
``visibilityPercentage``, ``centerElement``; openLink's ``autoVerify``, ``browser``) are accepted
and left to the runner's own waiting.
"""

from __future__ import annotations

LOOKUP_TIMEOUT = 17.0
OPTIONAL_LOOKUP_TIMEOUT = 7.0
ANIMATION_TIMEOUT = 15.0
SCROLL_TIMEOUT = 20.0
SWIPE_DURATION = 0.4
ERASE_COUNT = 50
MAX_RETRIES = 3
IDLE_SECONDS = 10.0
