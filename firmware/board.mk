# Arduino.mk settings for the reference firmware; firmware/Makefile runs
# this in fivechoice-board/ with BOARD_TAG (and BOARD_SUB) and OBJDIR set.
ARDUINO_DIR ?= /usr/share/arduino
ARDMK_DIR ?= /usr/share/arduino
AVR_TOOLS_DIR ?= /usr
TARGET = fivechoice-board
# gcc-avr 5.4 lacks DECIMAL_DIG, which the core's headers need from <float.h>.
CPPFLAGS += -DDECIMAL_DIG=__DECIMAL_DIG__
include $(ARDMK_DIR)/Arduino.mk

# Warnings are errors in the sketch. The Arduino core is Debian's
# (arduino-core-avr), built with the flags the Arduino IDE uses: its own
# warnings (a deprecated prog_char in Print.cpp) are not ours to fix.
$(OBJDIR)/fivechoice-board.ino.o: CXXFLAGS += -Wextra -Werror
